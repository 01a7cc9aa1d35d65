import type { Metadata, Viewport } from "next";
import Link from "next/link";
import type { ReactNode } from "react";

import { UserNav } from "@/components/UserNav";

import { Providers } from "./providers";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "EduPlatform", template: "%s · EduPlatform" },
  description: "Online courses: learn programming, design and data at your own pace.",
  openGraph: { siteName: "EduPlatform", type: "website" },
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 text-slate-900 antialiased">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-10 focus:rounded focus:bg-white focus:px-3 focus:py-2"
        >
          Skip to content
        </a>
        <Providers>
        <header className="border-b border-slate-200 bg-white">
          <nav
            aria-label="Main"
            className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-x-4 gap-y-2 px-4 py-3"
          >
            <Link href="/" className="text-lg font-bold text-brand-700">
              EduPlatform
            </Link>
            <ul className="flex flex-wrap items-center justify-end gap-x-4 gap-y-2 text-sm font-medium">
              <li className="hidden sm:list-item">
                <Link href="/" className="hover:text-brand-700">
                  Home
                </Link>
              </li>
              <li>
                <Link href="/search" className="hover:text-brand-700">
                  Catalog
                </Link>
              </li>
              <UserNav />
            </ul>
          </nav>
        </header>
          <main id="main" className="mx-auto max-w-6xl px-4 py-6 sm:py-8">
            {children}
          </main>
        </Providers>
        <footer className="mx-auto max-w-6xl px-4 pb-8 text-xs text-slate-500">
          EduPlatform demo frontend
        </footer>
      </body>
    </html>
  );
}
