"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";

/** Re-renders the page every second while confirmations are on their way (for at most a minute). */
export function RefreshWhileWaiting({ waiting }: { waiting: number }) {
  const router = useRouter();
  useEffect(() => {
    if (waiting === 0) return;
    const started = Date.now();
    const timer = setInterval(() => {
      if (Date.now() - started > 60_000) clearInterval(timer);
      else router.refresh();
    }, 1000);
    return () => clearInterval(timer);
  }, [waiting, router]);
  return null;
}
