import type { Metadata } from "next";

import { ResetPassword } from "./ResetPassword";

export const metadata: Metadata = { title: "Choose a new password" };

type SearchParams = Promise<{ token?: string }>;

export default async function ResetPasswordPage({ searchParams }: { searchParams: SearchParams }) {
  const { token } = await searchParams;
  return <ResetPassword token={token} />;
}
