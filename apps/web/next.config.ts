import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Metadata is resolved before the first byte for every client, not only for bots: a course page
  // needs its data for the body anyway, and so an unknown course reliably answers 404 (with
  // streamed metadata the status could already be sent as 200) and every <head> has its tags.
  htmlLimitedBots: /.*/,
};

export default nextConfig;
