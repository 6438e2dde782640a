import { z } from "zod";

/** A shortcut as typed after "/" in the reply box: lowercase letters, digits, - and _. */
export const ShortcutSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "Use 1–40 letters, digits, - or _, starting with a letter or digit.");
/** A typed message content (`{ type, … }`), as a reply takes it. */
export const TypedContentSchema = z.looseObject({
  type: z
    .string()
    .regex(/^[a-z][a-z-]*$/)
    .max(30),
});
