/** The demo catalog. Prices in integer cents; images ship in public/products. */
export const CATALOG = [
  { slug: "ceramic-pour-over", name: "Ceramic Pour-Over", priceCents: 3400, description: "A hand-glazed cone dripper that brews one clean, bright cup at a time." },
  { slug: "stoneware-mug", name: "Stoneware Mug", priceCents: 1800, description: "Thick-walled, speckled stoneware that keeps coffee warm through a long email." },
  { slug: "cold-brew-bottle", name: "Cold Brew Bottle", priceCents: 2900, description: "Glass bottle with a fine mesh filter: steep overnight, pour in the morning." },
  { slug: "burr-hand-grinder", name: "Burr Hand Grinder", priceCents: 8900, description: "Steel conical burrs and a smooth crank for an even grind, from espresso to French press." },
  { slug: "gooseneck-kettle", name: "Gooseneck Kettle", priceCents: 6400, description: "A slender spout for a slow, steady pour. Works on gas, electric and induction." },
  { slug: "single-origin-beans", name: "Single-Origin Beans, 250 g", priceCents: 1600, description: "Washed Ethiopian beans with notes of jasmine, bergamot and stone fruit." },
  { slug: "linen-apron", name: "Linen Apron", priceCents: 4200, description: "Stonewashed linen with deep pockets and adjustable cross-back straps." },
  { slug: "walnut-tray", name: "Walnut Serving Tray", priceCents: 5600, description: "Solid walnut, oiled by hand, with carved handles for carrying a full pot." },
  { slug: "dot-grid-notebook", name: "Dot-Grid Notebook A5", priceCents: 1400, description: "Lay-flat binding and 160 pages of heavy paper for notes, sketches and plans." },
  { slug: "brass-scoop", name: "Brass Coffee Scoop", priceCents: 1200, description: "A two-tablespoon scoop in solid brass that will age to a warm patina." },
] as const;
