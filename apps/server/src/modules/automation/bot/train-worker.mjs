// The bot's training thread: loads TypeScript through tsx (as bin/rapport.mjs does), then trains (train-worker.ts).
import { register } from "tsx/esm/api";

register();
await import("./train-worker.ts");
