import { db } from "@/lib/db.ts";

const productFields = { slug: true, name: true, description: true, priceCents: true, currency: true, image: true } as const;

export function listProducts() {
  return db.product.findMany({ select: productFields, orderBy: { createdAt: "asc" } });
}

export function findProduct(slug: string) {
  return db.product.findUnique({ where: { slug }, select: productFields });
}

export type ProductView = NonNullable<Awaited<ReturnType<typeof findProduct>>>;
