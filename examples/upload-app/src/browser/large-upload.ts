// The page's "large file" mode: any file up to 1 GiB, uploaded in parallel
// parts straight to storage by @stowage/client's uploadFile over the app's
// upload routes (/api/uploads/multipart). One row per file, with progress,
// speed and time left, Pause/Resume and Cancel. The session is kept in
// localStorage (the client's default store), so after a reload or a lost
// connection choosing the same file again resumes it: only the parts the
// server does not hold are sent.
import { UploadError, uploadFile, type UploadFileProgress, type UploadedFile } from "@stowage/client";

/** Where the server mounts the routes (src/large-upload-routes.ts). */
const routesBase = "/api/uploads/multipart";

/** One large upload as the page shows it; also what the tests read (`window.largeUploads`). */
export interface LargeUploadState {
  name: string;
  size: number;
  state: "uploading" | "paused" | "done" | "cancelled" | "failed";
  progress?: UploadFileProgress;
  result?: UploadedFile;
  error?: { code: string; message: string };
}

export interface LargeUploadsOptions {
  /** The file input (`multiple` allowed). */
  input: HTMLInputElement;
  /** Where the rows go. */
  list: HTMLElement;
  /** The signed-in user: part of the resume fingerprint, so two users of one browser never share a session. */
  currentUser(): string | undefined;
  /** Called after an upload completes (to refresh the page's lists). */
  onDone?(result: UploadedFile): void;
}

/** Wires the large-file input: every chosen file gets its own upload and row. */
export function setUpLargeUploads(options: LargeUploadsOptions): void {
  const hooks = window as unknown as { largeUploads: LargeUploadState[] };
  hooks.largeUploads = [];
  options.input.addEventListener("change", () => {
    const files = [...(options.input.files ?? [])];
    options.input.value = "";
    for (const file of files) startUpload(file);
  });

  function startUpload(file: File): void {
    const state: LargeUploadState = { name: file.name, size: file.size, state: "uploading" };
    hooks.largeUploads.push(state);
    const row = createRow(file);
    options.list.prepend(row.element);
    const controller = new AbortController();
    const upload = uploadFile(file, {
      routes: routesBase,
      resumeKey: options.currentUser() ?? "",
      concurrency: 4,
      signal: controller.signal,
      onProgress(progress) {
        state.progress = progress;
        row.show(progress);
      },
    });
    row.pause.onclick = () => {
      if (upload.paused) upload.resume();
      else upload.pause();
      state.state = upload.paused ? "paused" : "uploading";
      row.pause.textContent = upload.paused ? "Resume" : "Pause";
      row.element.classList.toggle("paused", upload.paused);
    };
    row.cancel.onclick = () => controller.abort();
    upload.promise.then(
      (result) => {
        state.result = result;
        state.state = "done";
        row.finish(`Stored as ${result.key} (${formatBytes(result.size)})`);
        options.onDone?.(result);
      },
      (error: unknown) => {
        const code = error instanceof UploadError ? error.code : "Unknown";
        const message = error instanceof Error ? error.message : String(error);
        state.error = { code, message };
        state.state = code === "Aborted" ? "cancelled" : "failed";
        row.finish(code === "Aborted" ? "Cancelled: nothing was kept" : `Failed (${code}): ${message}`, code !== "Aborted");
      },
    );
  }
}

interface Row {
  element: HTMLLIElement;
  pause: HTMLButtonElement;
  cancel: HTMLButtonElement;
  show(progress: UploadFileProgress): void;
  finish(message: string, isError?: boolean): void;
}

function createRow(file: File): Row {
  const element = document.createElement("li");
  element.className = "large-upload";
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = `${file.name} (${formatBytes(file.size)})`;
  const bar = document.createElement("progress");
  bar.max = 1;
  bar.value = 0;
  const text = document.createElement("span");
  text.className = "detail";
  text.textContent = "Starting…";
  const pause = button("pause", "Pause");
  const cancel = button("cancel", "Cancel");
  element.append(name, bar, text, pause, cancel);
  return {
    element,
    pause,
    cancel,
    show(progress) {
      bar.value = progress.total === 0 ? 1 : progress.loaded / progress.total;
      const speed = progress.bytesPerSecond > 0 ? `${formatBytes(progress.bytesPerSecond)}/s` : "measuring speed";
      const left = Number.isFinite(progress.secondsLeft) ? `${formatDuration(progress.secondsLeft)} left` : "";
      text.textContent = [`${formatBytes(progress.loaded)} of ${formatBytes(progress.total)}`, `part ${progress.partsDone}/${progress.partsTotal}`, speed, left]
        .filter((part) => part !== "")
        .join(" · ");
    },
    finish(message, isError = false) {
      text.textContent = message;
      element.classList.toggle("error", isError);
      element.classList.add("finished");
      pause.disabled = true;
      cancel.disabled = true;
    },
  };
}

function button(className: string, label: string): HTMLButtonElement {
  const element = document.createElement("button");
  element.type = "button";
  element.className = className;
  element.textContent = label;
  return element;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${Math.ceil(bytes / 1024)} KiB`;
}

function formatDuration(seconds: number): string {
  const whole = Math.ceil(seconds);
  return whole >= 60 ? `${Math.floor(whole / 60)} min ${whole % 60} s` : `${whole} s`;
}
