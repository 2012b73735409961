import Image from "next/image";

/** Product illustrations are small local SVGs: served as they are, without the optimiser. */
export function ProductImage({ src, alt, eager = false, sizes }: { src: string; alt: string; eager?: boolean; sizes: string }) {
  return (
    <Image
      src={src}
      alt={alt}
      width={800}
      height={800}
      sizes={sizes}
      loading={eager ? "eager" : "lazy"}
      unoptimized
      className="aspect-square h-auto w-full rounded-2xl object-cover"
    />
  );
}
