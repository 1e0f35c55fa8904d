// A demo login: the user id in a cookie, with an HMAC so it cannot be forged.
// (A real app would use its own authentication; this is enough to scope keys.)

const encoder = new TextEncoder();
const cookieName = "sid";

export interface Sessions {
  /** The signed-in user's id, or undefined. */
  userOf(request: Request): Promise<string | undefined>;
  /** The Set-Cookie value that signs `userId` in. */
  signIn(userId: string): Promise<string>;
  /** The Set-Cookie value that signs out. */
  signOut(): string;
}

/** Turns a display name into a user id: 1-32 of `a-z 0-9 -`. */
export function toUserId(name: unknown): string | undefined {
  if (typeof name !== "string") return undefined;
  const id = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 32);
  return id === "" ? undefined : id;
}

export function createSessions(secret: Uint8Array<ArrayBuffer>, options: { secure?: boolean } = {}): Sessions {
  const key = crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = async (value: string): Promise<string> => {
    const signature = new Uint8Array(await crypto.subtle.sign("HMAC", await key, encoder.encode(`session:${value}`)));
    let text = "";
    for (const byte of signature) text += String.fromCharCode(byte);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  };
  const attributes = `Path=/; HttpOnly; SameSite=Lax${options.secure ? "; Secure" : ""}`;
  return {
    async userOf(request) {
      const header = request.headers.get("cookie") ?? "";
      const match = new RegExp(`(?:^|;\\s*)${cookieName}=([a-z0-9-]+)\\.([A-Za-z0-9_-]+)`).exec(header);
      if (match === null) return undefined;
      const [, userId, signature] = match;
      return constantTimeEqual(await mac(userId!), signature!) ? userId : undefined;
    },
    async signIn(userId) {
      return `${cookieName}=${userId}.${await mac(userId)}; ${attributes}; Max-Age=86400`;
    },
    signOut() {
      return `${cookieName}=; ${attributes}; Max-Age=0`;
    },
  };
}

function constantTimeEqual(left: string, right: string): boolean {
  if (left.length !== right.length) return false;
  let difference = 0;
  for (let index = 0; index < left.length; index++) difference |= left.charCodeAt(index) ^ right.charCodeAt(index);
  return difference === 0;
}
