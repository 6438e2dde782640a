// API calls the journeys make with the page's own cookies (page.request shares the browser context).
import type { APIResponse, Page } from "playwright-core";

export async function expectStatus(response: APIResponse, status: number, what: string): Promise<void> {
  if (response.status() !== status) {
    throw new Error(`${what}: expected HTTP ${status}, got ${response.status()}: ${await response.text()}`);
  }
}

/** Creates an `api` channel through the API, with the page's session cookie. */
export async function createApiChannel(page: Page, baseUrl: string, name: string): Promise<string> {
  const created = await page.request.post(`${baseUrl}/api/v1/channels`, { data: { type: "api", name } });
  await expectStatus(created, 201, "POST /api/v1/channels");
  const { channel } = (await created.json()) as { channel: { id: string } };
  return channel.id;
}

export type InboundMessage = { id: string; customerId: string; name: string; text: string };

/** Customers write on the channel, as the shop's backend would post it; returns each message's case id. */
export async function receiveCustomerMessages(
  page: Page,
  baseUrl: string,
  channelId: string,
  messages: InboundMessage[],
  timeoutMs?: number,
): Promise<string[]> {
  const inbound = await page.request.post(`${baseUrl}/api/v1/channels/${channelId}/inbound`, {
    ...(timeoutMs ? { timeout: timeoutMs } : {}),
    data: {
      messages: messages.map((message) => ({
        externalMessageId: message.id,
        from: { externalId: message.customerId, name: message.name },
        text: message.text,
      })),
    },
  });
  await expectStatus(inbound, 202, "POST /api/v1/channels/:id/inbound");
  const { data } = (await inbound.json()) as { data: { caseId: string }[] };
  return data.map((result) => result.caseId);
}

/** One customer message; returns its case id. */
export async function receiveCustomerMessage(
  page: Page,
  baseUrl: string,
  channelId: string,
  message: InboundMessage,
): Promise<string> {
  const [caseId] = await receiveCustomerMessages(page, baseUrl, channelId, [message]);
  if (!caseId) throw new Error("the inbound endpoint returned no case");
  return caseId;
}

/** Signs the browser context in through the API (no UI), e.g. to prepare data as an admin. */
export async function logInByApi(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await expectStatus(
    await page.request.post(`${baseUrl}/api/v1/auth/login`, { data: { email, password } }),
    200,
    "POST /api/v1/auth/login",
  );
}

/** Adds a member with a known password; returns the user id. */
export async function addMember(
  page: Page,
  baseUrl: string,
  member: { email: string; name: string; role: string; password: string },
): Promise<string> {
  const created = await page.request.post(`${baseUrl}/api/v1/users`, { data: member });
  await expectStatus(created, 201, "POST /api/v1/users");
  return ((await created.json()) as { id: string }).id;
}

/** Reads a case through the API. */
export async function getCase<T = Record<string, unknown>>(page: Page, baseUrl: string, caseId: string): Promise<T> {
  const response = await page.request.get(`${baseUrl}/api/v1/cases/${caseId}`);
  await expectStatus(response, 200, "GET /api/v1/cases/:id");
  return (await response.json()) as T;
}

/** Polls until the check passes (or throws after `timeoutMs`). */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}
