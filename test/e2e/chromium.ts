import { chromium } from "playwright-core";

/** Debian's Chromium (scripts/ensure-chromium.sh installs it; playwright-core never downloads a browser). */
export const CHROMIUM = "/usr/bin/chromium";

/**
 * Headless Chromium as this machine runs it: as root (no sandbox), and with its background
 * connections off, which the closed network here would refuse many at a time.
 */
export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
