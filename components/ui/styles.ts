/** Shared Tailwind class lists, so buttons and links look alike everywhere. */
export const primaryButton =
  "inline-flex items-center justify-center gap-2 rounded-full bg-espresso px-5 py-2.5 text-sm font-semibold text-white shadow-sm transition hover:bg-coffee disabled:cursor-not-allowed disabled:opacity-60";

export const secondaryButton =
  "inline-flex items-center justify-center gap-2 rounded-full border border-stone-300 bg-white px-5 py-2.5 text-sm font-semibold text-stone-800 transition hover:border-stone-400 hover:bg-stone-50 disabled:cursor-not-allowed disabled:opacity-60";

export const iconButton =
  "inline-flex size-8 items-center justify-center rounded-full border border-stone-300 bg-white text-base font-semibold text-stone-700 transition hover:bg-stone-100 disabled:cursor-not-allowed disabled:opacity-40";

export const textLink = "font-medium text-coffee underline decoration-coffee/30 underline-offset-4 hover:decoration-coffee";

export const card = "rounded-2xl border border-stone-200 bg-white shadow-sm";
