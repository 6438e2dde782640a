// Runs in a worker thread (started by trainBotOffThread through train-worker.mjs): trains the intents it is
// given and posts the classifier back as JSON.
import { parentPort, workerData } from "node:worker_threads";
import { exportModel, type TrainingIntent, trainBot } from "./nlu.ts";

const model = await trainBot(workerData as TrainingIntent[]);
parentPort?.postMessage({ json: exportModel(model) });
