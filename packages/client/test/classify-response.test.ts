// The answer mapping for server answers the Chromium suites cannot produce
// (AWS's own messages, throttling, server failures).
import { describe, expect, it } from "vitest";
import { classifyAnswer, readPostResponseEtag, unquoteEtag } from "../src/classify-response.ts";
import { uploadErrorCodes } from "../src/index.ts";

const xml = (code: string, message = "") => `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
const json = (code: string, message = "m") => JSON.stringify({ error: { code, message } });
const fresh = { ifNotExists: false, expired: false };

describe("classifyAnswer", () => {
  it("maps S3 XML errors", () => {
    expect(classifyAnswer(403, xml("AccessDenied", "Request has expired"), fresh)).toMatchObject({ code: "Expired", serverCode: "AccessDenied" });
    expect(classifyAnswer(403, xml("AccessDenied", "Invalid according to Policy: Policy expired."), fresh).code).toBe("Expired");
    expect(classifyAnswer(403, xml("AccessDenied"), fresh).code).toBe("BadSignature");
    expect(classifyAnswer(403, xml("AccessDenied"), { ifNotExists: false, expired: true }).code).toBe("Expired");
    expect(classifyAnswer(403, xml("SignatureDoesNotMatch"), fresh).code).toBe("BadSignature");
    expect(classifyAnswer(403, xml("SignatureDoesNotMatch"), { ifNotExists: false, expired: true }).code).toBe("Expired");
    expect(classifyAnswer(400, xml("EntityTooLarge"), fresh).code).toBe("TooLarge");
    expect(classifyAnswer(412, xml("PreconditionFailed"), { ifNotExists: true, expired: false }).code).toBe("AlreadyExists");
    expect(classifyAnswer(412, xml("PreconditionFailed"), fresh).code).toBe("Unknown");
    expect(classifyAnswer(503, xml("SlowDown"), fresh).code).toBe("Unavailable");
    expect(classifyAnswer(500, xml("InternalError"), fresh).code).toBe("Unavailable");
    expect(classifyAnswer(400, xml("InvalidArgument"), fresh)).toMatchObject({ code: "Unknown", serverCode: "InvalidArgument" });
  });

  it("maps the handler's JSON errors", () => {
    const cases: [number, string, string][] = [
      [413, "TooLarge", "TooLarge"],
      [400, "SizeMismatch", "SizeMismatch"],
      [403, "ContentTypeMismatch", "ContentTypeMismatch"],
      [415, "UnsafeContentType", "ContentTypeMismatch"],
      [409, "AlreadyExists", "AlreadyExists"],
      [403, "AlreadyUsed", "AlreadyUsed"],
      [403, "Expired", "Expired"],
      [403, "InvalidSignature", "BadSignature"],
      [503, "Unavailable", "Unavailable"],
      [429, "RateLimited", "Unavailable"],
      [500, "Internal", "Unavailable"],
      [400, "InvalidRequest", "Unknown"],
    ];
    for (const [status, serverCode, code] of cases) {
      expect(classifyAnswer(status, json(serverCode), fresh), serverCode).toMatchObject({ code, serverCode });
    }
  });

  it("a body it cannot read falls back on the status", () => {
    expect(classifyAnswer(413, "", fresh).code).toBe("TooLarge");
    expect(classifyAnswer(502, "<html>bad gateway</html>", fresh).code).toBe("Unavailable");
    expect(classifyAnswer(418, "teapot", fresh).code).toBe("Unknown");
    for (const text of ["", "x", xml("Whatever"), json("Whatever")]) {
      expect(uploadErrorCodes).toContain(classifyAnswer(400, text, fresh).code);
    }
  });
});

describe("etags", () => {
  it("reads a PostResponse's ETag, quoted (AWS) or not (RGW), and unquotes", () => {
    expect(unquoteEtag(readPostResponseEtag("<PostResponse><Key>k</Key><ETag>&quot;abc&quot;</ETag></PostResponse>")!)).toBe("abc");
    expect(unquoteEtag(readPostResponseEtag('<PostResponse><ETag>"abc"</ETag></PostResponse>')!)).toBe("abc");
    expect(readPostResponseEtag("<PostResponse><ETag>abc</ETag></PostResponse>")).toBe("abc");
    expect(readPostResponseEtag("<Error><ETag>abc</ETag></Error>")).toBeUndefined();
    expect(unquoteEtag('W/"abc"')).toBe("abc");
  });
});
