// The labelled controls of a GET filter form (the admin's user list and audit log): the current filter,
// read from the address, is filled back in, and every view keeps its own address without JavaScript.
import type { InputHTMLAttributes } from "react";

const controlClass =
  "mt-1 w-full min-w-[9rem] rounded-md border border-zinc-300 bg-white px-3 py-2 text-sm dark:border-zinc-700 dark:bg-zinc-900";

interface Labelled {
  id: string;
  label: string;
  /** For the wrapper, e.g. how much of the row it takes. */
  className?: string;
}

export function FilterInput({
  id,
  label,
  className,
  ...input
}: Labelled & Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "className">) {
  return (
    <div className={className}>
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      <input id={id} className={controlClass} {...input} />
    </div>
  );
}

export interface FilterSelectProps extends Labelled {
  name: string;
  /** [value, label] pairs, in the order shown. */
  options: readonly (readonly [string, string])[];
  /** The label of the empty first choice ("Any role"), when choosing nothing is allowed. */
  any?: string;
  defaultValue: string;
}

export function FilterSelect({ id, label, className, name, options, any, defaultValue }: FilterSelectProps) {
  return (
    <div className={className}>
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      <select id={id} name={name} defaultValue={defaultValue} className={controlClass}>
        {any === undefined ? null : <option value="">{any}</option>}
        {options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}
