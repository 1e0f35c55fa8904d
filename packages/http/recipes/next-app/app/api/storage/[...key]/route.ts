import { handler } from "../../../../lib/storage";

// app/api/storage/[...key]/route.ts: every signed URL under /api/storage.
export const runtime = "nodejs"; // the memory and fs drivers need Node
export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return handler(request);
}
export function HEAD(request: Request) {
  return handler(request);
}
export function PUT(request: Request) {
  return handler(request);
}
export function OPTIONS(request: Request) {
  return handler(request);
}
