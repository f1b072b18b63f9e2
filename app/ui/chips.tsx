// Short values shown as chips: the words of a multiple choice, brand colours with their swatch.

const chipClass = "rounded-full bg-zinc-100 px-2.5 py-0.5 text-sm dark:bg-zinc-800";

export function Chips({ items, label }: { items: string[]; label?: string }) {
  return (
    <ul className="flex flex-wrap gap-2" aria-label={label}>
      {items.map((item) => (
        <li key={item} className={chipClass}>
          {item}
        </li>
      ))}
    </ul>
  );
}

export function ColourChips({ colours, label = "Brand colours" }: { colours: string[]; label?: string }) {
  return (
    <ul className="flex flex-wrap gap-2" aria-label={label}>
      {colours.map((colour) => (
        <li key={colour} className={`${chipClass} flex items-center gap-1.5 font-mono`}>
          {/* An SVG fill, not a style attribute: the CSP allows no inline styles. */}
          <svg width="14" height="14" aria-hidden="true">
            <circle cx="7" cy="7" r="6.5" fill={colour} stroke="currentColor" strokeOpacity="0.25" />
          </svg>
          {colour}
        </li>
      ))}
    </ul>
  );
}
