import type { ConformanceCase } from "@stowage/conformance";
import { keyCases } from "../src/cases/key-cases.ts";
import { putCases } from "../src/cases/put-cases.ts";
import { failedPutCases } from "../src/cases/failed-put-cases.ts";
import { conditionalCases } from "../src/cases/conditional-cases.ts";
import { getCases } from "../src/cases/get-cases.ts";
import { rangeCases } from "../src/cases/range-cases.ts";
import { headCases } from "../src/cases/head-cases.ts";
import { listCases } from "../src/cases/list-cases.ts";
import { deleteCases } from "../src/cases/delete-cases.ts";
import { errorCases } from "../src/cases/error-cases.ts";
import { capabilityCases } from "../src/cases/capability-cases.ts";
import { optionCases } from "../src/cases/option-cases.ts";
import { signPutCombinationCases } from "../src/cases/sign-put-combination-cases.ts";
import { signingCases } from "../src/cases/signing-cases.ts";
import { bodyCases } from "../src/cases/body-cases.ts";
import { existsCases } from "../src/cases/exists-cases.ts";
import { startAfterCases } from "../src/cases/start-after-cases.ts";
import { conditionalDeleteCases } from "../src/cases/conditional-delete-cases.ts";
import { deletePrefixCases } from "../src/cases/delete-prefix-cases.ts";
import { copyCases } from "../src/cases/copy-cases.ts";
import { updateMetadataCases } from "../src/cases/update-metadata-cases.ts";
import { moveCases } from "../src/cases/move-cases.ts";
import { copyCapabilityCases } from "../src/cases/copy-capability-cases.ts";
import { uploadSessionCases } from "../src/cases/upload-session-cases.ts";
import { expiryCases } from "../src/cases/expiry-cases.ts";

/**
 * Signing cases that upload and are checked here, on a memory driver whose
 * URLs @stowage/http's handler serves in process. The other signing cases
 * are checked by the signing tests.
 */
const servedSigningCases = new Set([
  "signing: an upload sent without a Content-Type reads back as application/octet-stream",
  "signing: a signed GET of an HTML object is an attachment unless signed inline",
]);

/**
 * The cases this map covers. The signPut combination cases only mint, so
 * they run here on a memory driver with signing.
 */
export const mutatedCases: readonly ConformanceCase[] = [
  ...keyCases,
  ...putCases,
  ...failedPutCases,
  ...bodyCases,
  ...conditionalCases,
  ...getCases,
  ...rangeCases,
  ...headCases,
  ...existsCases,
  ...listCases,
  ...startAfterCases,
  ...deleteCases,
  ...conditionalDeleteCases,
  ...deletePrefixCases,
  ...copyCases,
  ...updateMetadataCases,
  ...moveCases,
  ...errorCases,
  ...capabilityCases,
  ...copyCapabilityCases,
  ...optionCases,
  ...signPutCombinationCases,
  ...signingCases.filter((each) => servedSigningCases.has(each.name)),
  ...uploadSessionCases,
  ...expiryCases,
];

const failedPutStream = ["commits the body before the stream ends", "truncates the object before reading the body", "reports a leftover temporary file"];

/**
 * For each case, the mutations (broken drivers in broken-drivers.ts, broken
 * core patches in broken-core.ts) that must make it fail. The README's
 * table is generated from this map (scripts/list-cases.mjs).
 */
export const mutationsByCase: Record<string, string[]> = {
  "keys: illegal keys give InvalidKey on put, get, head and delete": ["core: skips key validation"],
  "keys: illegal keys give InvalidKey on signPut and signGet, with or without signing": ["core: skips key validation"],
  "keys: illegal keys are refused before the driver is called": ["core: skips key validation"],
  "keys: a 1024-byte key round-trips": ["refuses keys over 1000 bytes"],
  "keys: a key over 1024 bytes of UTF-8 is InvalidKey before the driver runs": ["core: skips key validation"],
  "keys: special characters, emoji, combining marks and CJK round-trip": ["decodes percent-escapes in keys", "treats backslash as a path separator"],
  "keys: every printable ASCII character round-trips": ["treats backslash as a path separator"],
  "keys: dots inside segment names are legal (a..b, .hidden, ..., a.)": ["hides dot-files from listings"],
  "keys: a key and its directory coexist (a, a/b, a/b/c)": ["cannot hold a key and its directory (file system)", "deletes everything under the key (rm -r)"],
  "keys: NFC and NFD spellings are distinct keys": ["normalizes keys to NFC"],

  "put: returns ObjectInfo with key, size, etag and lastModified": ["returns a quoted etag"],
  "put: contentType defaults to application/octet-stream": ["defaults the content type to binary/octet-stream"],
  "put: contentType and content-* headers round-trip": ["drops metadata and content-* headers"],
  "put: metadata round-trips on put, head and get": ["drops metadata and content-* headers", "head drops metadata and cacheControl"],
  "put: invalid metadata keys and values give InvalidArgument before the driver runs": ["core: skips metadata validation"],
  "put: metadata values with leading or trailing spaces give InvalidArgument; inner spaces round-trip": [
    "core: trims metadata values instead of refusing outer spaces",
    "core: skips metadata validation",
  ],
  "put: metadata up to 2 KiB (or the driver's smaller maxMetadataBytes) is accepted and more is InvalidArgument": ["core: skips metadata validation"],
  "put: invalid contentType and header values give InvalidArgument": ["core: skips header and content-type validation"],
  "put: an empty body round-trips": ["refuses empty bodies"],
  "put: all 256 byte values round-trip": ["stores bodies as UTF-8 text", "drops the last byte of every body"],
  "put: a 16 MiB stream of unknown length round-trips": ["drops the last byte of every body", "stores bodies as UTF-8 text"],
  "put: a stream with a declared size round-trips": ["drops the last byte of every body", "checks size off by one"],
  "put: a Blob body round-trips": ["drops the last byte of every body"],
  "put: a string body is stored as UTF-8": ["core: encodes strings as Latin-1"],
  "put: an ArrayBuffer body round-trips": ["drops the last byte of every body"],
  "put: a Uint8Array view stores only the viewed bytes": ["stores a view's whole backing buffer"],
  "put: changing the caller's bytes afterwards does not change what is stored": ["keeps the caller's array (no copy on put)"],
  "put: changing a streamed chunk afterwards does not change what is stored": ["keeps the caller's stream chunk (no copy of a one-chunk stream)"],
  "put: a matching sha256 is accepted for bytes and streams": ["refuses every sha256"],
  "put: the etag changes on overwrite": ["keeps the first etag on overwrite"],
  "put: an overwrite replaces data, content type and metadata together": ["merges metadata and headers on overwrite"],
  "put: a reader during a streamed overwrite sees the whole old value": [
    "commits the body before the stream ends",
    "truncates the object before reading the body",
  ],
  "put: an explicit size equal to the body is accepted": ["checks size off by one"],

  "failed put: a stream that errors midway rejects and changes nothing": failedPutStream,
  "failed put: a stream that errors before its first chunk changes nothing": [
    "truncates the object before reading the body",
    "reports a leftover temporary file",
  ],
  "failed put: a wrong sha256 on bytes gives ChecksumMismatch and changes nothing": ["core: ignores the sha256 option", "reports a leftover temporary file"],
  "failed put: a wrong sha256 on a stream gives ChecksumMismatch and changes nothing": [...failedPutStream, "core: ignores the sha256 option"],
  "failed put: bytes shorter than size give InvalidArgument and change nothing": ["core: ignores the size option", "reports a leftover temporary file"],
  "failed put: bytes longer than size give InvalidArgument and change nothing": ["core: ignores the size option", "reports a leftover temporary file"],
  "failed put: a stream shorter than size gives InvalidArgument and changes nothing": [...failedPutStream, "core: ignores the size option"],
  "failed put: a stream longer than size gives InvalidArgument and changes nothing": [...failedPutStream, "core: ignores the size option"],
  "failed put: a Blob whose size differs from size gives InvalidArgument": ["core: ignores the size option", "reports a leftover temporary file"],
  "failed put: an already aborted signal gives Aborted and changes nothing": ["core: ignores the abort signal", "reports a leftover temporary file"],
  "failed put: a signal aborted while the stream is read gives Aborted and changes nothing": [...failedPutStream, "core: ignores the abort signal"],

  "put body: a Node Readable-like async iterable of Buffer views stores exactly its bytes": [
    "core: reads an async iterable's chunks as their whole backing buffers",
    "drops the last byte of every body",
  ],
  "put body: an async generator stores its bytes (including empty chunks and an empty generator)": [
    "drops the last byte of every body",
    "refuses empty bodies",
  ],
  "put body: an async generator that throws midway rejects, and the previous object stays unchanged": [
    "core: ends an async iterable's body at its error instead of failing the put",
    ...failedPutStream,
  ],
  "put body: an async iterable that yields a string gives InvalidArgument and changes nothing": [
    "core: encodes an async iterable's string chunks as UTF-8 instead of refusing them",
  ],
  "put body: a Blob's type is the default content type": ["core: ignores a Blob's type"],
  "put body: an explicit contentType wins over a Blob's type": ["core: a Blob's type overrides contentType"],

  "conditional put: ifNotExists creates once, then gives AlreadyExists": ["ignores ifNotExists"],
  "conditional put: ifNotExists succeeds again after a delete": ["remembers deleted keys for ifNotExists"],
  "conditional put: of 20 racing ifNotExists puts exactly one wins": ["checks ifNotExists, then writes (not atomic)", "ignores ifNotExists"],
  "conditional put: ifMatch with the current etag replaces the object": ["keeps the first etag on overwrite"],
  "conditional put: ifMatch with a stale etag gives PreconditionFailed": ["ignores put ifMatch"],
  "conditional put: ifMatch on a missing key gives PreconditionFailed and creates nothing": ["ignores put ifMatch"],
  "conditional put: ifMatch accepts a quoted etag": ["core: passes etags through unnormalized"],
  "conditional put: a compare-and-swap race of 5 workers x 10 increments ends at 50": [
    "checks put ifMatch, then writes (not atomic)",
    "ignores put ifMatch",
  ],

  "get: a missing key gives null": ["returns a missing key as an empty object"],
  "get: returns the body and the info put returned": ["drops the last byte of every body", "drops metadata and content-* headers"],
  "get: the body stream is readable in chunks": ["drops the last byte of every body"],
  "get: text() and json() decode the body": ["drops the last byte of every body"],
  "get: changing the returned bytes never changes what is stored": ["returns the stored array (no copy on get)"],
  "get: ifNoneMatch with the current etag gives NotModified": ["ignores get conditions", "compares get conditions against quoted etags"],
  "get: ifNoneMatch with a stale etag returns the object": ["answers NotModified to any ifNoneMatch"],
  "get: ifMatch with a stale etag gives PreconditionFailed": ["ignores get conditions"],
  "get: ifMatch with the current etag returns the object": ["compares get conditions against quoted etags"],
  "get: conditions compare whole etags (the etag plus a suffix, or a prefix of it, does not match)": ["compares get conditions by prefix (Ceph RGW 16)"],
  "get: quoted and weak etags are accepted in conditions": ["core: passes etags through unnormalized"],
  "get: conditions on a missing key give null": ["checks get conditions before existence"],
  "get: an already aborted signal gives Aborted": ["core: ignores the abort signal"],
  "get: the info matches an object written as a stream": ["drops the last byte of every body"],

  "range: offset and length return exactly those bytes": ["ignores ranges", "reports the range's length as the object's size"],
  "range: an offset alone reads to the end": ["ignores ranges"],
  "range: a suffix reads the last bytes": ["ignores ranges"],
  "range: a suffix longer than the object returns the whole object": ["refuses a suffix longer than the object"],
  "range: a length past the end is clamped and the range field says so": ["reports the requested length, not the clamped one"],
  "range: an offset at or past the size gives RangeNotSatisfiable": ["returns an empty body for an unsatisfiable range"],
  "range: any range of an empty object gives RangeNotSatisfiable": [
    "returns an empty body for an unsatisfiable range",
    "takes an empty object's whole answer to a ranged read as the range (the server ignored Range)",
  ],
  "range: a suffix on an empty object gives RangeNotSatisfiable, not the empty object": [
    "takes an empty object's whole answer to a ranged read as the range (the server ignored Range)",
    "returns an empty body for an unsatisfiable range",
  ],
  "range: a range on a missing key gives null": ["checks ranges before existence"],
  "range: malformed ranges give InvalidArgument": ["core: passes ranges to the driver unvalidated"],
  "range: a range combines with a matching ifMatch": ["ignores get conditions"],

  "head: a missing key gives null": ["returns a missing key as an empty object"],
  "head: returns the same info as get": ["head drops metadata and cacheControl"],
  "head: reflects an overwrite": ["caches head results"],
  "head: the info put returns equals head's": ["returns a quoted etag"],
  "head: an already aborted signal gives Aborted": ["core: ignores the signal on head, list and delete"],

  "exists: true for a stored key, false for a missing or deleted one": ["returns a missing key as an empty object"],

  "list: keys are ordered by UTF-8 bytes, not UTF-16 code units": ["sorts by UTF-16 code units (JavaScript's default)"],
  "list: a key with U+FFFF (not allowed in XML 1.0) lists in order and round-trips": [
    "drops keys XML 1.0 cannot carry (U+FFFE, U+FFFF) from listings",
    "fails a listing page that holds U+FFFF (an XML listing without URL encoding)",
  ],
  "list: prefix filters keys": ["ignores the list prefix"],
  "list: entries carry key, size and etag": ["lists sizes as 0"],
  "list: a delimiter rolls keys up into common prefixes and leaves their objects out": [
    "ignores the delimiter",
    "keeps rolled-up objects",
    "looks for the delimiter from the key's start",
  ],
  "list: a delimiter other than / works": ["ignores the delimiter"],
  "list: t-/ sorts before t/ (with and without a delimiter)": ["lists a directory before its siblings (file-system walk order)"],
  "list: pages of limit 1, 2, 3 and 1000 concatenate to the full listing": ["forgets the cursor", "ignores the limit", "always returns a cursor"],
  "list: pages with a delimiter concatenate to the full listing": ["resumes inside a common prefix", "forgets the cursor"],
  "list: a cursor survives inserts and deletes between pages": ["uses a numeric offset as the cursor"],
  "list: a cursor after a common prefix skips keys added under it": ["resumes inside a common prefix"],
  "list: the last page has no cursor, even when it is full": ["always returns a cursor"],
  "list: a limit outside 1..1000 gives InvalidArgument": ["core: clamps an invalid list limit"],
  "list: listAll iterates every object across pages": ["forgets the cursor"],
  "list: deleted keys disappear from listings": ["deletes only the first key of an array"],
  "list: an already aborted signal gives Aborted": ["core: ignores the signal on head, list and delete"],

  "list startAfter: at every position of a 10-key listing, only keys after it are listed (one page and pages of 2)": [
    "list ignores startAfter",
    "lists keys equal to startAfter (>= instead of >)",
  ],
  "list startAfter: with a delimiter, only entries after it are listed, so a/ is not listed after a/1 (one page and pages of 2)": [
    "list ignores startAfter",
    "lists keys equal to startAfter (>= instead of >)",
    "lists the common prefix that holds startAfter (OpenStack Swift's s3api)",
  ],

  "delete: a missing key succeeds": ["fails to delete a missing key"],
  "delete: removes the object and nothing else": ["deletes everything under the key (rm -r)"],
  "delete: an array of 1000 keys deletes them all": ["deletes only the first key of an array"],
  "delete: duplicate and missing keys in one array are fine": ["deletes only the first key of an array", "fails to delete a missing key"],
  "delete: an already aborted signal gives Aborted and deletes nothing": ["core: ignores the signal on head, list and delete"],

  "conditional delete: a stale ifMatch gives PreconditionFailed and keeps the object; the current etag deletes it": ["delete ignores ifMatch"],
  "conditional delete: ifMatch on a missing key gives PreconditionFailed": [
    "delete with ifMatch succeeds on a missing key (S3's DeleteObject answers 204)",
  ],

  "deletePrefix: 2,500 keys under the prefix are deleted, with progress, and nothing else": [
    "core: deletePrefix stops after its first batch",
    "ignores the list prefix",
    "deletes only the first key of an array",
  ],
  "deletePrefix: an empty prefix without { all: true } gives InvalidArgument before anything is deleted": [
    "core: deletePrefix takes an empty prefix to mean everything",
  ],
  "deletePrefix: aborted after the first batch, it gives Aborted, and calling again finishes the job": [
    "core: ignores the deletePrefix signal",
    "core: deletePrefix stops after its first batch",
  ],

  "copy: the target gets the source's bytes, content type, content-* fields and metadata; the source is unchanged": [
    "copy drops metadata and content-* fields",
  ],
  "copy: the copy and its source are independent (overwriting, updating or deleting one leaves the other)": [
    "overwrites bodies of the same size in place (a store whose copies share bytes)",
  ],
  "copy: given fields replace the source's, the others are kept, and metadata replaces the whole map": [
    "copy ignores replace",
    "copy merges replaced metadata into the source's",
  ],
  "copy: ifNotExists onto an existing target gives AlreadyExists and leaves it unchanged": ["copy ignores ifNotExists"],
  "copy: of 10 racing ifNotExists copies onto one key exactly one wins": [
    "copy checks ifNotExists, then writes (not atomic)",
    "copy ignores ifNotExists",
  ],
  "copy: ifMatch with a stale source etag gives PreconditionFailed and creates no target; the current etag copies": ["copy ignores ifMatch"],
  "copy: a missing source gives NotFound and leaves the target as it was": ["copy of a missing source creates an empty target"],
  "copy: a multipart-sized object (17 MiB + 3 bytes, streamed in) keeps its bytes and info": [
    "copies only the first 16 MiB of a large object",
    "copy drops metadata and content-* fields",
  ],

  "updateMetadata: changes the metadata and content type, keeps the body and the other fields": [
    "copy ignores replace",
    "copy onto the same key truncates it before reading (file system O_TRUNC)",
  ],
  "updateMetadata: a stale ifMatch gives PreconditionFailed and changes nothing; the current etag updates": ["core: drops ifMatch from updateMetadata"],

  "move: the target gets the bytes, content type, content-* fields and metadata, and the source is gone": [
    "move leaves the source in place",
    "copy drops metadata and content-* fields",
  ],
  "move: ifNotExists onto an existing target gives AlreadyExists and leaves both unchanged": ["move ignores ifNotExists", "copy ignores ifNotExists"],
  "move: a move racing an overwrite of its source never loses the new bytes (20 rounds)": [
    "move copies, then deletes the source unconditionally (not atomic)",
    "delete ignores ifMatch",
  ],

  "errors: every error is a StorageError with code, operation, key and driver": ["core: wraps errors without operation or driver"],
  "errors: a driver's native error becomes Unknown and keeps it as cause": ["core: does not wrap errors", "core: wraps errors without operation or driver"],
  "errors: a driver's StorageError passes through with its code": ["core: wraps errors without operation or driver"],
  "errors: a driver's AbortError becomes Aborted": ["core: does not wrap errors"],
  "errors: a body stream that fails while read gives a StorageError": ["core: does not wrap errors"],

  "capabilities: the driver declares every capability as a boolean": ["omits a capability flag"],
  "capabilities: range without rangeRead gives Unsupported before the driver runs": ["core: skips capability checks"],
  "capabilities: get conditions without conditionalGet give Unsupported": ["core: skips capability checks"],
  "capabilities: ifNotExists without putIfNotExists gives Unsupported and writes nothing": ["core: skips capability checks"],
  "capabilities: put ifMatch without putIfMatch gives Unsupported and writes nothing": ["core: skips capability checks"],
  "capabilities: sha256 without the sha256 capability gives Unsupported": ["core: skips capability checks"],
  "capabilities: delimiter without listDelimiter gives Unsupported": ["core: skips capability checks"],
  "capabilities: signPut without the signPut capability gives Unsupported": ["core: skips capability checks"],
  "capabilities: signGet without the signGet capability gives Unsupported": ["core: skips capability checks"],
  "capabilities: each signPut constraint needs its own capability": ["core: skips capability checks"],
  "capabilities: options left off or false need no capability": ["core: requires capabilities for options set to false"],

  "capabilities: copy and updateMetadata without copy give Unsupported before the driver runs": ["core: skips capability checks"],
  "capabilities: copy and move conditions need copyIfMatch and copyIfNotExists": ["core: skips capability checks"],
  "capabilities: move without a rename needs copy and deleteIfMatch": ["core: skips capability checks"],
  "capabilities: startAfter without listStartAfter and delete ifMatch without deleteIfMatch give Unsupported": ["core: skips capability checks"],

  "options: misspelt put options are refused, naming the key and the right one, and nothing is written": ["core: drops unknown options silently"],
  "options: misspelt get, head, list and delete options are refused, naming the key and the right one": ["core: drops unknown options silently"],
  "options: misspelt signPut and signGet options are refused and no URL is minted": ["core: drops unknown options silently"],
  "options: misspelt createStorage options are refused, naming the key and the right one": ["core: drops unknown options silently"],
  "options: null, an array, a string or an AbortSignal in place of options gives InvalidArgument on every operation": [
    "core: reads any value as options",
  ],
  "options: a signal that is not an AbortSignal gives InvalidArgument on every operation": [
    "core: trusts any value as a signal",
    "core: ignores the signal on head, list and delete",
    "core: ignores the abort signal",
  ],

  "signing: a signed GET of an HTML object is an attachment unless signed inline": [
    "signs every GET inline",
    "drops inline from signed GETs",
  ],
  "signing: an upload sent without a Content-Type reads back as application/octet-stream": [
    "stores binary/octet-stream for a signed upload sent without a Content-Type (S3's default)",
  ],

  "signPut combinations: every combination the capabilities and conflicts allow is signed, and checkSignPut says ok": [
    "refuses maxSize with oneTime at call time (an undeclared conflict)",
    "core: drops signPut constraints on the way to the driver",
  ],
  "signPut combinations: a declared conflict is refused before the driver runs, and checkSignPut gives the same reason": [
    "core: ignores declared signPut conflicts",
    "core: checkSignPut answers ok without checking",
  ],
  "signPut combinations: checkSignPut and signPut give the same refusal for a capability that is off, a misspelt option or a bad value": [
    "core: checkSignPut answers ok without checking",
    "core: skips capability checks",
    "core: leaves the driver's hint out of Unsupported messages",
  ],

  "uploads: parts PUT out of order are listed and complete into the exact bytes, type and metadata": [
    "completeUpload joins the parts in the order they arrived",
  ],
  "uploads: a 1-byte upload and one of exactly one full part are planned as one part and complete with their bytes": [
    "completeUpload of a one-part upload stores an empty object",
  ],
  "uploads: nothing is visible before complete, even with every part uploaded, and an old object stays until then": [
    "createUpload makes an empty object visible at the key until complete",
    "uploadPart stages each part as an object next to the key",
  ],
  "uploads: a part PUT of another length than signed is refused, and completing with a part missing gives InvalidArgument": [
    "signUploadPart drops the signed size",
    "createUpload makes an empty object visible at the key until complete",
  ],
  "uploads: a total over maxSize gives TooLarge at complete, stores nothing and ends the upload": [
    "core: completing an upload skips the maxSize check",
    "abortUpload does nothing",
  ],
  "uploads: after abort the upload is not listed, nothing is visible and an earlier part URL fails": ["abortUpload does nothing"],
  "uploads: a tampered or expired part URL gives 403 and stores no part": [
    "the part handler trusts a part URL's claims without checking its signature",
    "the part handler's clock runs hours behind (expired URLs work)",
  ],
  "uploads: an ifNotExists upload onto an existing key gives AlreadyExists at complete and the old object stays": [
    "completeUpload ignores ifNotExists",
    "createUpload makes an empty object visible at the key until complete",
  ],
  "uploads: of two ifNotExists uploads racing for one fresh key exactly one completes": ["completeUpload ignores ifNotExists"],
  "capabilities: expiresAt and ttlSeconds without expiry, and sweepExpired without expiry or deleteIfMatch, give Unsupported before the driver runs": [
    "core: skips capability checks",
  ],
  "expiry: ttlSeconds and expiresAt are reported as expiresAt by put, get, head and list; the stored field never shows in metadata": [
    "core: shows the stored expiry field in metadata",
    "core: reads ttlSeconds as milliseconds",
  ],
  "expiry: an object reads as absent from the instant it expires (get, head, exists), judged by the storage clock": [
    "core: ignores expiry on reads",
    "core: an object expires only after its instant, not at it",
  ],
  "expiry: list never returns an expired object, and pages stay full around them": [
    "core: ignores expiry on reads",
    "core: list does not refill pages that lost expired objects",
  ],
  "expiry: a rewrite without expiry clears it, and a rewrite with one replaces it": ["merges metadata and headers on overwrite"],
  "expiry: copy and updateMetadata keep the expiry (also with replaced metadata); an expired source is NotFound and the target is kept": [
    "core: a copy with replaced metadata drops the expiry",
    "core: ignores expiry on reads",
  ],
  "expiry: move of an expired source is NotFound and keeps the target": ["core: ignores expiry on reads"],
  "expiry: sweepExpired deletes expired objects under the prefix only, keeps the rest, and is idempotent": [
    "core: sweepExpired judges expiry a year ahead",
    "core: ignores expiry on reads",
  ],
  "expiry: sweepExpired never deletes an object rewritten after it was listed": ["core: sweepExpired deletes without ifMatch"],
  "expiry: a signed GET never serves an expired object (404 from the URL, or NotFound when signing a backend URL)": ["core: ignores expiry on reads"],
  "expiry: bad expiry options and the reserved metadata key are InvalidArgument before the driver runs, and the object is kept": [
    "core: skips expiry validation",
  ],
};
