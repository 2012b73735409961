import { listProducts } from "@/lib/catalog.ts";

export async function GET() {
  const products = await listProducts();
  return Response.json(products.map(({ slug, name, priceCents, currency, image }) => ({ slug, name, priceCents, currency, image })));
}
