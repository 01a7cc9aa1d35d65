import type { NextRequest } from "next/server";

import { REFRESH_COOKIE, clearedCookie, crossSite, postToWriteApi } from "@/lib/session-cookie";

export const dynamic = "force-dynamic";

/** Ends the session on the write API and forgets the cookie, whatever the API answers. */
export async function POST(request: NextRequest): Promise<Response> {
  const refused = crossSite(request);
  if (refused) return refused;
  const token = request.cookies.get(REFRESH_COOKIE)?.value;
  if (token) await postToWriteApi("/api/auth/logout", { refresh_token: token });
  return new Response(null, { status: 204, headers: { "Set-Cookie": clearedCookie(request) } });
}
