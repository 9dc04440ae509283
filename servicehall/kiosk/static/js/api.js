// Talking to the kiosk server: only the operations of operations.json, by their SHA-256.
// Public answers are kept in this page's memory (never in storage) so that pages seen
// before keep working when the central service is unreachable; personal answers are
// never kept anywhere.

let operations = {};
let services = {};
const memory = new Map();
const MEMORY_SIZE = 300;
const listeners = { connection: new Set(), unregistered: new Set() };
let controller = new AbortController();

export const connection = { offline: false };

/** The central service cannot answer this now; ``service`` names what is affected. */
export class Unavailable extends Error {
  constructor(message, service) {
    super(message);
    this.service = service;
  }
}

/** The hall answered with an expected error (wrong case number, rate limited …). */
export class Refused extends Error {
  constructor(code, message, field) {
    super(message);
    this.code = code;
    this.field = field;
  }
}

/** This terminal is not (or no longer) registered. */
export class Unregistered extends Error {}

export function on(event, listener) {
  listeners[event].add(listener);
}

function emit(event, value) {
  for (const listener of listeners[event]) listener(value);
}

function setOffline(offline) {
  if (connection.offline !== offline) {
    connection.offline = offline;
    emit("connection", offline);
  }
}

/** Labels of the services that need the central service (not the cached guides). */
export function liveServices() {
  return Object.entries(services)
    .filter(([key]) => key !== "guides")
    .map(([, label]) => label);
}

/** Cancel every request in flight: a late answer must not appear after a reset. */
export function abortAll() {
  controller.abort();
  controller = new AbortController();
}

export async function loadOperations() {
  const response = await fetch("operations.json", { cache: "no-store", credentials: "omit" });
  const listing = await response.json();
  operations = listing.operations;
  services = listing.services;
}

export async function fetchStatus() {
  const response = await fetch("status", {
    cache: "no-store",
    credentials: "omit",
    signal: controller.signal,
  });
  return response.json();
}

/** A file of the kiosk process that is not an operation (pinyin.json, a guide's PDF);
 * ``abortable``: a reset cancels it. */
export function fetchFile(path, { abortable = true } = {}) {
  return fetch(path, { credentials: "omit", signal: abortable ? controller.signal : undefined });
}

function remember(key, data) {
  memory.delete(key);
  memory.set(key, data);
  if (memory.size > MEMORY_SIZE) memory.delete(memory.keys().next().value);
}

function fallback(operation, key, message) {
  setOffline(true);
  if (operation.public && memory.has(key)) return memory.get(key);
  const label = services[operation.service] || "该服务";
  throw new Unavailable(message || `中心服务暂时无法连接，${label}暂停使用`, operation.service);
}

/** Run one of the kiosk's operations; resolves with its data. */
export async function call(name, variables = {}) {
  const operation = operations[name];
  if (!operation) throw new Error(`operation ${name} is not in operations.json`);
  const key = `${name} ${JSON.stringify(variables)}`;
  let response;
  let body;
  try {
    response = await fetch("graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({
        operationName: name,
        variables,
        extensions: { persistedQuery: { version: 1, sha256Hash: operation.sha256 } },
      }),
      cache: "no-store",
      credentials: "omit",
      signal: controller.signal,
    });
    body = await response.json();
  } catch (error) {
    if (error.name === "AbortError") throw error;
    return fallback(operation, key);
  }
  const error = body.errors && body.errors[0];
  const code = error && error.extensions ? error.extensions.code : undefined;
  if (code === "DEVICE_NOT_REGISTERED") {
    emit("unregistered", error.message);
    throw new Unregistered(error.message);
  }
  if (response.status >= 500 || code === "SERVICE_UNAVAILABLE") {
    return fallback(operation, key, error && error.message);
  }
  setOffline(Boolean(body.extensions && body.extensions.kiosk && body.extensions.kiosk.offline));
  if (error) throw new Refused(code, error.message, error.extensions && error.extensions.field);
  if (operation.public) remember(key, body.data);
  return body.data;
}
