import { classifyAnswer, readJsonEtag, readPostResponseEtag, unquoteEtag } from "./classify-response.js";
import type { PartTransport } from "./part-transport.js";
import { defaultTransport } from "./part-transport.js";
import type { UploadControl } from "./upload-control.js";
import { UploadError } from "./upload-error.js";
import type { UploadFileOptions, UploadedFile } from "./upload-file.js";
import { ProgressTracker } from "./upload-file-progress.js";
import type { RouteContext } from "./upload-routes.js";
import { readSignedConstraints } from "./signed-constraints.js";
import { uploadToSignedUrl, type SignedUpload } from "./upload-to-signed-url.js";

interface SmallFileContext extends UploadFileOptions {
  control: UploadControl;
  call: <T>(body: () => Promise<T>) => Promise<T>;
}

/**
 * A file under the threshold: one signed request from `routes.single`.
 * With XMLHttpRequest (a browser) and no custom transport, it is
 * `uploadToSignedUrl` itself (its checks before sending, POST policies,
 * progress); otherwise the transport sends it once. No session, nothing stored.
 */
export async function uploadSmallFile(
  file: Blob,
  single: (file: Blob, context: RouteContext) => Promise<SignedUpload & { key?: string }>,
  options: SmallFileContext,
): Promise<UploadedFile> {
  const { control } = options;
  const signed = await options.call(() => single(file, { signal: control.haltSignal }));
  const tracker = new ProgressTracker(file.size, 1, options.now ?? Date.now, options.onProgress);
  tracker.report();
  const Request = options.XMLHttpRequest ?? (globalThis as { XMLHttpRequest?: typeof XMLHttpRequest }).XMLHttpRequest;
  let etag: string;
  if (options.transport === undefined && typeof Request === "function") {
    try {
      const result = await uploadToSignedUrl(signed, file, {
        signal: control.haltSignal,
        XMLHttpRequest: Request,
        onProgress: ({ loaded }) => tracker.sending(1, loaded),
      });
      etag = result.etag;
    } catch (error) {
      if (control.halted) throw control.reason;
      throw error;
    }
  } else {
    etag = await sendOnce(signed, file, options.transport ?? defaultTransport(options), control, (loaded) => tracker.sending(1, loaded));
  }
  tracker.done(1, file.size);
  const contentType = Object.entries(signed.headers ?? {}).find(([name]) => name.toLowerCase() === "content-type")?.[1] ?? signed.fields?.["Content-Type"] ?? file.type;
  return { key: signed.key ?? "", size: file.size, etag, contentType, parts: 0 };
}

async function sendOnce(signed: SignedUpload, file: Blob, transport: PartTransport, control: UploadControl, onProgress: (loaded: number) => void): Promise<string> {
  const method = String(signed.method || "PUT").toUpperCase();
  let body: Blob | FormData = file;
  let headers = signed.headers ?? {};
  if (method === "POST") {
    const form = new FormData();
    for (const [name, value] of Object.entries(signed.fields ?? {})) form.append(name, value);
    form.append("file", file);
    body = form;
    headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== "content-type"));
  }
  const { signal, release } = control.requestSignal();
  const response = await transport({ url: signed.url, method, headers, body, signal, onProgress }).finally(release);
  if (control.halted) throw control.reason;
  if (response.status >= 200 && response.status < 300) {
    return unquoteEtag(response.etag || readPostResponseEtag(response.responseText) || readJsonEtag(response.responseText) || "");
  }
  const constraints = readSignedConstraints(signed, undefined);
  const expired = constraints.expiresAtMs !== undefined && Date.now() >= constraints.expiresAtMs;
  const classified = classifyAnswer(response.status, response.responseText, { ifNotExists: constraints.ifNotExists, expired });
  const code = response.status === 0 ? (expired ? "Expired" : "Network") : classified.code;
  const details: { status: number; responseText: string; serverCode?: string } = { status: response.status, responseText: response.responseText };
  if (classified.serverCode !== undefined) details.serverCode = classified.serverCode;
  throw new UploadError(code, `The upload was refused with HTTP ${response.status}${classified.serverCode ? ` (${classified.serverCode})` : ""}`, details);
}
