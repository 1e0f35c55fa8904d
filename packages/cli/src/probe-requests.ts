import type { ProbeClient, ProbeSdk } from "./probe-sdk.js";

/** One measured profile fact: its value and the answers that decided it. */
export interface FactResult {
  fact: string;
  value: unknown;
  evidence: string;
}

type Output = { $metadata: { httpStatusCode?: number } } & Record<string, unknown>;

/** Raw S3 requests under the probe's scratch prefix, with every written key recorded for the cleanup. */
export class ProbeRequests {
  readonly written = new Set<string>();

  constructor(
    readonly client: ProbeClient,
    readonly commands: ProbeSdk["commands"],
    readonly bucket: string,
    readonly prefix: string,
    readonly signal: AbortSignal,
  ) {}

  /** The full key of `name` under the scratch prefix. */
  key(name: string): string {
    return `${this.prefix}${name}`;
  }

  /** Sends a command; resolves to its output, or rejects with the SDK error. */
  send(command: keyof ProbeSdk["commands"], input: Record<string, unknown>): Promise<Output> {
    const Command = this.commands[command];
    return this.client.send(new Command({ Bucket: this.bucket, ...input }), { abortSignal: this.signal });
  }

  /** The HTTP status a command ends with (success or failure); `undefined` when no answer came. */
  async status(command: keyof ProbeSdk["commands"], input: Record<string, unknown>): Promise<number | undefined> {
    return this.outcome(command, input).then((result) => result.status);
  }

  /** The status and, on success, the output. */
  async outcome(command: keyof ProbeSdk["commands"], input: Record<string, unknown>): Promise<{ status: number | undefined; output?: Output }> {
    try {
      const output = await this.send(command, input);
      // An unread GetObject body would keep its connection (and the process) busy.
      const body = output.Body as { destroy?: () => void } | undefined;
      body?.destroy?.();
      return { status: output.$metadata.httpStatusCode, output };
    } catch (error) {
      if (this.signal.aborted) throw error;
      return { status: (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode };
    }
  }

  /** PutObject of `name`; resolves to the etag without quotes. */
  async put(name: string, body: string | Uint8Array, extra: Record<string, unknown> = {}): Promise<string> {
    this.written.add(this.key(name));
    const output = await this.send("PutObjectCommand", { Key: this.key(name), Body: body, ...extra });
    return String(output.ETag ?? "").replace(/"/g, "");
  }

  /** PutObject's status (the key is recorded for the cleanup either way). */
  putStatus(name: string, body: string | Uint8Array, extra: Record<string, unknown> = {}): Promise<number | undefined> {
    this.written.add(this.key(name));
    return this.status("PutObjectCommand", { Key: this.key(name), Body: body, ...extra });
  }

  /** HeadObject's status. */
  headStatus(name: string): Promise<number | undefined> {
    return this.status("HeadObjectCommand", { Key: this.key(name) });
  }

  /** Aborts a multipart upload; sent even after Ctrl-C, never rejects. */
  async abortUpload(key: string, uploadId: unknown): Promise<void> {
    const Command = this.commands.AbortMultipartUploadCommand;
    await this.client.send(new Command({ Bucket: this.bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
  }

  /** Deletes every recorded key (one by one: DeleteObjects may itself be what the server refuses). */
  async cleanup(): Promise<string[]> {
    const errors: string[] = [];
    for (const key of this.written) {
      const Command = this.commands.DeleteObjectCommand;
      await this.client.send(new Command({ Bucket: this.bucket, Key: key })).catch((error: Error) => errors.push(`${key}: ${error.message}`));
    }
    return errors;
  }
}
