/** What the organisations feature offers the others: they import it from here only (.dependency-cruiser.cjs). */
export {};
