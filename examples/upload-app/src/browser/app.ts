// The page: sign in, presign → upload straight to storage → commit, show the
// avatar, and a gallery that loads page by page as it scrolls.
import { UploadError, uploadToSignedUrl, type SignedUpload, type UploadProgress, type UploadResult } from "@stowage/client";
import { setUpLargeUploads } from "./large-upload.js";

interface Item {
  key: string;
  name: string;
  size: number;
  contentType: string;
  url: string;
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const signInForm = $<HTMLFormElement>("sign-in");
const account = $<HTMLElement>("account");
const who = $<HTMLElement>("who");
const avatar = $<HTMLImageElement>("avatar");
const fileInput = $<HTMLInputElement>("file");
const progress = $<HTMLProgressElement>("progress");
const progressText = $<HTMLElement>("progress-text");
const status = $<HTMLElement>("status");
const gallery = $<HTMLUListElement>("gallery");
const galleryEnd = $<HTMLElement>("gallery-end");
const signInAgain = $<HTMLButtonElement>("sign-in-again");

/** For the console and the tests: the progress events and the result of the last upload, and the upload helper. */
const testHooks = window as unknown as { uploadProgress: UploadProgress[]; lastUpload?: UploadResult; uploadToSignedUrl: typeof uploadToSignedUrl };
testHooks.uploadProgress = [];
testHooks.uploadToSignedUrl = uploadToSignedUrl;

let cursor: string | null | undefined; // undefined: not loaded yet; null: no more pages
let loading = false;
let generation = 0; // bumped on sign-in/out, so a page that arrives late is dropped
let avatarKey: string | undefined;
let currentUser: string | undefined;

/** An API error: the server's JSON `{ error: { code, message } }` and the HTTP status. */
class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

/** Calls the app's API. State-changing calls always send JSON (the server refuses anything else). */
async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const changes = method !== "GET" && method !== "HEAD";
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: changes ? { "content-type": "application/json" } : {},
      body: changes ? JSON.stringify(body ?? {}) : null,
    });
  } catch {
    throw new ApiError("The server could not be reached", 0, "NetworkError");
  }
  const text = await response.text();
  let value: { error?: { code?: string; message?: string } } | undefined;
  try {
    value = text === "" ? {} : JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!response.ok) {
    throw new ApiError(value?.error?.message ?? `The server answered HTTP ${response.status}`, response.status, value?.error?.code ?? "HttpError");
  }
  return value as T;
}

function say(message: string, isError = false): void {
  status.textContent = message;
  status.classList.toggle("error", isError);
  if (!isError) signInAgain.hidden = true;
}

/**
 * Shows a failed action in the status line. A 401 means the session is gone
 * (expired, signed out in another tab): offer to sign in again.
 */
function sayFailed(action: string, error: unknown): void {
  const signedOut = error instanceof ApiError && error.status === 401;
  const detail = error instanceof Error ? error.message : String(error);
  say(signedOut ? `${action} failed: your session has ended. Sign in again.` : `${action} failed: ${detail}`, true);
  signInAgain.hidden = !signedOut;
  status.scrollIntoView({ block: "nearest" });
}

/** Runs an event handler so that a failure is shown, never left as an unhandled rejection. */
function guarded(action: string, run: () => Promise<void>): () => void {
  return () => {
    run().catch((error: unknown) => sayFailed(action, error));
  };
}

function showProgress(fraction: number): void {
  progress.value = fraction;
  progressText.textContent = `${Math.floor(fraction * 100)}%`;
}

async function showSignedIn(user: string | undefined): Promise<void> {
  signInForm.hidden = user !== undefined;
  account.hidden = user === undefined;
  who.hidden = user === undefined;
  $("user-name").textContent = user ?? "";
  currentUser = user;
  generation++;
  gallery.replaceChildren();
  cursor = undefined;
  loading = false;
  galleryEnd.hidden = true;
  if (user === undefined) return;
  await Promise.all([loadAvatar(), loadMore()]);
}

async function loadAvatar(): Promise<void> {
  try {
    const result = await api<{ key: string; url: string }>("GET", "/api/me/avatar");
    avatarKey = result.key;
    avatar.src = result.url;
    avatar.hidden = false;
  } catch {
    avatarKey = undefined;
    avatar.removeAttribute("src");
    avatar.hidden = true;
  }
  for (const element of gallery.children) element.classList.toggle("current", (element as HTMLElement).dataset.key === avatarKey);
}

function renderItem(item: Item): HTMLLIElement {
  const element = document.createElement("li");
  element.dataset.key = item.key;
  element.classList.toggle("current", item.key === avatarKey);
  const image = document.createElement("img");
  image.src = item.url;
  image.alt = item.name;
  image.loading = "lazy";
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = `${item.name} (${Math.ceil(item.size / 1024)} KiB)`;
  const actions = document.createElement("div");
  actions.className = "actions";
  const use = document.createElement("button");
  use.type = "button";
  use.className = "use";
  use.textContent = "Use as avatar";
  use.onclick = guarded("Use as avatar", async () => {
    await api("POST", "/api/uploads/commit", { key: item.key });
    await loadAvatar();
    say(`${item.name} is your avatar`);
  });
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "delete";
  remove.textContent = "Delete";
  remove.onclick = guarded("Delete", async () => {
    await api("DELETE", `/api/uploads?key=${encodeURIComponent(item.key)}`);
    element.remove();
    if (item.key === avatarKey) await loadAvatar();
    say(`Deleted ${item.name}`);
  });
  actions.append(use, remove);
  element.append(image, name, actions);
  return element;
}

async function loadMore(): Promise<void> {
  if (loading || cursor === null) return;
  loading = true;
  const started = generation;
  try {
    const query = cursor === undefined ? "" : `?cursor=${encodeURIComponent(cursor)}`;
    const page = await api<{ items: Item[]; cursor: string | null }>("GET", `/api/uploads${query}`);
    if (started !== generation) return;
    const shown = new Set([...gallery.children].map((element) => (element as HTMLElement).dataset.key));
    for (const item of page.items) if (!shown.has(item.key)) gallery.append(renderItem(item));
    cursor = page.cursor;
    galleryEnd.hidden = cursor !== null;
  } catch (error) {
    if (started === generation) sayFailed("Loading your uploads", error);
    return;
  } finally {
    if (started === generation) loading = false;
  }
  // Keep filling while the end of the list is still on screen.
  if (cursor !== null && sentinelVisible()) await loadMore();
}

function sentinelVisible(): boolean {
  const box = $("sentinel").getBoundingClientRect();
  return box.top < window.innerHeight && box.bottom >= 0;
}

async function upload(file: File): Promise<void> {
  testHooks.uploadProgress = [];
  showProgress(0);
  say(`Uploading ${file.name}…`);
  let presigned: { key: string; upload: SignedUpload; expect: { size: number; contentType: string } };
  try {
    presigned = await api("POST", "/api/uploads/presign", { filename: file.name, contentType: file.type, size: file.size });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) sayFailed("Upload", error);
    else say(`Refused: ${(error as Error).message}`, true);
    return;
  }
  let uploaded: UploadResult;
  try {
    uploaded = await uploadToSignedUrl(presigned.upload, file, {
      expect: presigned.expect,
      onProgress: (event) => {
        testHooks.uploadProgress.push(event);
        showProgress(event.fraction);
      },
    });
    testHooks.lastUpload = uploaded;
  } catch (error) {
    // The same typed codes on every backend (TooLarge, ContentTypeMismatch, AlreadyExists, Expired, BadSignature, Network, ...).
    const detail = error instanceof UploadError ? `${error.code}: ${error.message}` : (error as Error).message;
    say(`The storage refused the upload (${detail})`, true);
    return;
  }
  try {
    const committed = await api<{ avatar: { key: string; url: string }; item: Item }>("POST", "/api/uploads/commit", {
      key: presigned.key,
      // What the storage answered, checked by the server against the stored object (verifyUpload).
      size: (uploaded as { size?: number }).size ?? file.size,
      ...(uploaded.etag === undefined ? {} : { etag: uploaded.etag }),
      contentType: file.type,
    });
    avatarKey = committed.avatar.key;
    avatar.src = committed.avatar.url;
    avatar.hidden = false;
    for (const element of gallery.children) element.classList.remove("current");
    gallery.prepend(renderItem(committed.item));
    say(`Uploaded ${file.name}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) sayFailed("Upload", error);
    else say(`Refused: ${(error as Error).message}`, true);
  }
}

signInForm.addEventListener("submit", (event) => {
  event.preventDefault();
  guarded("Sign in", async () => {
    const { user } = await api<{ user: string }>("POST", "/api/login", { name: $<HTMLInputElement>("name").value });
    say("");
    await showSignedIn(user);
  })();
});

$("sign-out").addEventListener(
  "click",
  guarded("Sign out", async () => {
    await api("POST", "/api/logout");
    await showSignedIn(undefined);
  }),
);

// After a 401: show the sign-in form (the gallery is cleared; signing in reloads it).
signInAgain.addEventListener(
  "click",
  guarded("Sign in", async () => {
    await showSignedIn(undefined);
    $<HTMLInputElement>("name").focus();
  }),
);

fileInput.addEventListener(
  "change",
  guarded("Upload", async () => {
    const file = fileInput.files?.[0];
    fileInput.value = "";
    if (file !== undefined) await upload(file);
  }),
);

setUpLargeUploads({ input: $<HTMLInputElement>("large-file"), list: $("large-uploads"), currentUser: () => currentUser });

new IntersectionObserver((entries) => {
  if (entries.some((entry) => entry.isIntersecting)) void loadMore();
}).observe($("sentinel"));

api<{ user: string }>("GET", "/api/me").then(
  ({ user }) => showSignedIn(user),
  () => showSignedIn(undefined),
);
