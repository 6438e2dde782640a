import "@mantine/core/styles.css";
import "./i18n/index.ts";
import { createTheme, MantineProvider } from "@mantine/core";
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ApiError, isUnauthenticated, meQueryKey } from "./api.ts";
import { App } from "./app.tsx";

const theme = createTheme({ primaryColor: "indigo" });

// A 401 anywhere means the session ended (signed out elsewhere, password changed): back to sign-in.
const onApiError = (error: unknown) => {
  if (isUnauthenticated(error)) queryClient.setQueryData(meQueryKey, null);
};

const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError: onApiError }),
  mutationCache: new MutationCache({ onError: onApiError }),
  defaultOptions: {
    queries: {
      // A 4xx will not fix itself; retry only network errors and 5xx.
      retry: (failureCount, error) => failureCount < 2 && !(error instanceof ApiError && error.status < 500),
      refetchOnWindowFocus: false,
    },
  },
});

const container = document.getElementById("root");
if (container === null) throw new Error("#root element is missing from index.html");

createRoot(container).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="auto">
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
