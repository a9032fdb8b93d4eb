/** What the public-forms feature offers the others: they import it from here only (.dependency-cruiser.cjs). */
export {};
