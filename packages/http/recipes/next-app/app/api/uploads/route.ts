import { storage } from "../../../lib/storage";

// app/api/uploads/route.ts: the app mints an upload URL and, later, a download URL.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function POST(request: Request) {
  const { key, contentType, size } = (await request.json()) as { key: string; contentType: string; size: number };
  // Check here that the user may write `key`.
  const upload = await storage.signPut(key, { contentType, size, ifNotExists: true });
  const download = await storage.signGet(key);
  return Response.json({ upload, download: download.url });
}
