import { hash, verify } from "@node-rs/argon2";
import { AppError } from "../../platform/errors.ts";

// argon2id (the library's default algorithm) with OWASP's minimum memory cost.
const OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;
let dummyHash: Promise<string> | undefined;

/** Hashes a password with argon2id. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/** Verifies a password; with no stored hash it still spends the same time, so unknown emails are not revealed by timing. */
export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  if (!stored) {
    dummyHash ??= hashPassword("rapport-dummy-password");
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}

/** Rejects passwords too weak to keep. */
export function assertPasswordStrength(password: string): void {
  if (password.length < 10) {
    throw new AppError("invalid", "password_too_short", "The password must have at least 10 characters.", {
      field: "password",
    });
  }
}
