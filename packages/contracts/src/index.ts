import { z } from "zod";

/** The wire shape of every API error. */
export const ErrorBodySchema = z.object({
  error: z.object({
    kind: z.enum([
      "invalid",
      "unauthenticated",
      "forbidden",
      "not_found",
      "conflict",
      "too_large",
      "unsupported",
      "unprocessable",
      "rate_limited",
      "internal",
      "unavailable",
    ]),
    reason: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
    requestId: z.string(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** A page of a list endpoint: `?cursor=&limit=` in, `{ data, nextCursor }` out. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable() });

export const RoleSchema = z.enum(["owner", "admin", "supervisor", "agent", "analyst"]);
export type Role = z.infer<typeof RoleSchema>;

/** What `GET /api/v1/me` and `POST /api/v1/auth/login` return. */
export const MeSchema = z.object({
  user: z.object({ id: z.string(), email: z.string(), name: z.string() }).nullable(),
  workspace: z
    .object({ id: z.string(), slug: z.string(), name: z.string(), defaultLocale: z.string(), timezone: z.string() })
    .nullable(),
  role: RoleSchema,
});
export type Me = z.infer<typeof MeSchema>;
