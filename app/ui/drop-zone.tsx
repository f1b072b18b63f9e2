// A file input people can also drop files on, with a preview of what they chose before it is uploaded.
// Without JavaScript it is the plain file input inside a large label (clicking anywhere opens the
// chooser); with it, dropped files go into the same input, so the form posts exactly as it would.
import { type InputHTMLAttributes, useEffect, useRef, useState } from "react";

type DropZoneProps = Omit<InputHTMLAttributes<HTMLInputElement>, "type" | "className"> & {
  id: string;
  /** What the zone says, e.g. "Drop your logo here, or choose a file". */
  prompt: string;
  hint?: string;
};

export function DropZone({ id, prompt, hint, multiple, onChange, ...input }: DropZoneProps) {
  const ref = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const [previews, setPreviews] = useState<{ name: string; url: string }[]>([]);

  // Object URLs hold the file in memory until revoked.
  useEffect(
    () => () => {
      for (const preview of previews) URL.revokeObjectURL(preview.url);
    },
    [previews],
  );

  const show = (files: FileList | null) =>
    setPreviews(
      [...(files ?? [])]
        .filter((file) => file.type.startsWith("image/"))
        .map((file) => ({ name: file.name, url: URL.createObjectURL(file) })),
    );

  return (
    <div className="space-y-3">
      <label
        htmlFor={id}
        data-dragging={dragging ? "" : undefined}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(event) => {
          event.preventDefault();
          setDragging(false);
          const input = ref.current;
          if (!input || event.dataTransfer.files.length === 0) return;
          const transfer = new DataTransfer();
          for (const file of multiple ? [...event.dataTransfer.files] : [...event.dataTransfer.files].slice(0, 1))
            transfer.items.add(file);
          input.files = transfer.files;
          show(input.files);
        }}
        className="flex cursor-pointer flex-col items-center gap-2 rounded-xl border-2 border-dashed border-zinc-300 px-4 py-6 text-center text-sm hover:border-brand-600 data-dragging:border-brand-600 data-dragging:bg-brand-50 dark:border-zinc-700 dark:data-dragging:bg-zinc-900"
      >
        <span className="font-medium">{prompt}</span>
        {hint ? <span className="text-xs text-zinc-600 dark:text-zinc-400">{hint}</span> : null}
        <input
          {...input}
          ref={ref}
          id={id}
          type="file"
          multiple={multiple}
          onChange={(event) => {
            show(event.currentTarget.files);
            onChange?.(event);
          }}
          className="block max-w-full text-sm file:mr-3 file:rounded-md file:border file:border-zinc-300 file:bg-white file:px-3 file:py-1.5 dark:file:border-zinc-700 dark:file:bg-zinc-900 dark:file:text-zinc-100"
        />
      </label>
      {previews.length > 0 ? (
        <div className="space-y-1">
          <p className="text-xs text-zinc-600 dark:text-zinc-400">Chosen, uploaded when you save:</p>
          <ul className="flex flex-wrap gap-2" data-testid="upload-previews">
            {previews.map((preview) => (
              <li key={preview.url}>
                <img
                  src={preview.url}
                  alt={`Preview of ${preview.name}`}
                  className="size-20 rounded-md border border-zinc-200 object-cover dark:border-zinc-800"
                />
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}
