import type { Metadata } from "next";

import { VerifyEmail } from "./VerifyEmail";

export const metadata: Metadata = { title: "Verify your email" };

type SearchParams = Promise<{ token?: string }>;

export default async function VerifyEmailPage({ searchParams }: { searchParams: SearchParams }) {
  const { token } = await searchParams;
  return <VerifyEmail token={token} />;
}
