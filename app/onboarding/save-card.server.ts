// What happens when a card is submitted: parse (conform + the card's zod schema), handle uploads for
// the logo and brand-image cards, refuse a skip of a required card, and save. The workspace is always
// the signed-in user's own (currentWorkspace); a workspaceId in the form is never read.
import type { SubmissionResult } from "@conform-to/react";
import type { RouterContextProvider } from "react-router";
import type { Database } from "../../db/client.ts";
import type { User } from "../accounts/session.server.ts";
import {
  deleteImage,
  MAX_IMAGE_BYTES,
  MAX_UPLOAD_FORM_BYTES,
  storeImage,
  TOO_LARGE_MESSAGE,
} from "../images/images.server.ts";
import { type FormRead, parseFormData } from "../platform/forms.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { type Card, MAX_BRAND_IMAGES } from "./cards.ts";
import { existingImageIds, loadUserWorkspaceAndAnswers, saveAnswer } from "./onboarding.server.ts";
import type { StoredAnswer } from "./profile.ts";

export type SaveOutcome =
  | { ok: true; returnTo: "summary" | null }
  | { ok: false; status: 400 | 413 | 415; result: SubmissionResult<string[]>; formError?: string };

/** A card without files: far more than any answer needs (the longest field takes 2,000 characters). */
const TEXT_FORM_BYTES = 256 * 1024;
/** Up to ten new brand images at the size limit, plus the colours and the multipart envelope. */
const BRAND_FORM_BYTES = MAX_BRAND_IMAGES * MAX_IMAGE_BYTES + 256 * 1024;

function failure(
  status: 400 | 413 | 415,
  errors: Record<string, string[]>,
  initialValue: Record<string, unknown> = {},
  formError?: string,
): SaveOutcome {
  return {
    ok: false,
    status,
    result: { status: "error", initialValue: initialValue as SubmissionResult["initialValue"], error: errors },
    formError,
  };
}

function uploadedFiles(form: FormData, name: string): File[] {
  return form.getAll(name).filter((entry): entry is File => typeof entry !== "string" && entry.size > 0);
}

/** The form's fields other than files, for conform's `initialValue` (what was typed comes back). */
function typedValues(form: FormData): FormData {
  const copy = new FormData();
  for (const [name, value] of form) if (typeof value === "string") copy.append(name, value);
  return copy;
}

/** How large a card's form may be: an upload card carries its images. */
export function cardFormBytes(card: Card): number {
  return card.id === "logo" ? MAX_UPLOAD_FORM_BYTES : card.id === "brand-images" ? BRAND_FORM_BYTES : TEXT_FORM_BYTES;
}

/** `read` is the card's form read with readFormBody and cardFormBytes; a refusal is shown on the card. */
export async function saveCard(
  context: Readonly<RouterContextProvider>,
  db: Database,
  input: { read: FormRead; user: User; card: Card },
): Promise<SaveOutcome> {
  const { read, user, card } = input;
  const { env } = context.get(requestInfo);
  const isUploadCard = card.id === "logo" || card.id === "brand-images";

  if (!read.ok) {
    const field = card.id === "logo" ? "logo" : card.id === "brand-images" ? "images" : "";
    const message =
      read.status === 413
        ? isUploadCard
          ? TOO_LARGE_MESSAGE
          : "That answer is too long."
        : "That form could not be read. Please try again.";
    return failure(read.status, { [field]: [message] }, {}, field === "" ? message : undefined);
  }
  const form = read.form;
  const returnTo = form.get("return") === "summary" ? "summary" : null;
  const intent = form.get("intent") === "skip" ? "skip" : "save";

  const { workspaceId, answers } = await loadUserWorkspaceAndAnswers(context, db, user.id);
  const previous = answers.get(card.id);

  if (intent === "skip") {
    if (card.required) {
      const message = "This card is required, so it can't be skipped.";
      return failure(400, { "": [message] }, {}, message);
    }
    await saveAnswer(db, { workspaceId, userId: user.id, cardId: card.id, value: null, skipped: true, answers });
    return { ok: true, returnTo };
  }

  if (card.id === "logo")
    return saveLogo(env, db, {
      card,
      form,
      user,
      workspaceId,
      answers,
      previousValue: previous?.skipped ? null : previous?.value,
      returnTo,
    });
  if (card.id === "brand-images")
    return saveBrandImages(env, db, {
      card,
      form,
      user,
      workspaceId,
      answers,
      previousValue: previous?.skipped ? null : previous?.value,
      returnTo,
    });

  const submission = parseFormData(typedValues(form), card.schema);
  if (submission.status !== "success")
    return { ok: false, status: 400, result: submission.reply() as SubmissionResult<string[]> };
  await saveAnswer(db, {
    workspaceId,
    userId: user.id,
    cardId: card.id,
    value: submission.value,
    skipped: false,
    answers,
  });
  return { ok: true, returnTo };
}

interface UploadInput {
  card: Card;
  form: FormData;
  user: User;
  workspaceId: string;
  answers: Map<string, StoredAnswer>;
  previousValue: unknown;
  returnTo: "summary" | null;
}

async function saveLogo(env: Env, db: Database, input: UploadInput): Promise<SaveOutcome> {
  const { form, user, workspaceId, answers, returnTo } = input;
  const previousId = (input.previousValue as { imageId?: unknown } | null)?.imageId;
  const [file] = uploadedFiles(form, "logo");
  if (!file) {
    // Nothing new chosen: keep the logo already there, or ask for one.
    if (typeof previousId === "string" && (await existingImageIds(db, workspaceId, "logo", [previousId])).length === 1)
      return { ok: true, returnTo };
    return failure(400, { logo: ["Choose an image file, or skip this card."] });
  }
  const stored = await storeImage(env, db, { file, kind: "logo", ownerId: user.id, workspaceId });
  if (!stored.ok) return failure(stored.status, { logo: [stored.message] });
  await saveAnswer(db, {
    workspaceId,
    userId: user.id,
    cardId: "logo",
    value: { imageId: stored.image.id },
    skipped: false,
    answers,
  });
  // The replaced logo is referenced by nothing now.
  if (typeof previousId === "string" && previousId !== stored.image.id)
    await deleteImage(env, db, { imageId: previousId, userId: user.id });
  return { ok: true, returnTo };
}

async function saveBrandImages(env: Env, db: Database, input: UploadInput): Promise<SaveOutcome> {
  const { form, user, workspaceId, answers, returnTo } = input;
  const fields = typedValues(form);
  const submission = parseFormData(fields, input.card.schema);
  if (submission.status !== "success")
    return { ok: false, status: 400, result: submission.reply() as SubmissionResult<string[]> };
  const colours = (submission.value as { colours: string[] }).colours;

  // Kept images: only ids the stored answer already had (never an id from the form alone), still present.
  const previousIds = (input.previousValue as { imageIds?: unknown } | null)?.imageIds;
  const before = Array.isArray(previousIds) ? previousIds.filter((id): id is string => typeof id === "string") : [];
  const ticked = new Set(form.getAll("keepImage").filter((id): id is string => typeof id === "string"));
  const kept = await existingImageIds(
    db,
    workspaceId,
    "brand",
    before.filter((id) => ticked.has(id)),
  );
  const files = uploadedFiles(form, "images");
  // What was typed, limited to the card's own fields (never the raw payload).
  const initialValue = submission.reply().initialValue ?? {};
  if (kept.length + files.length > MAX_BRAND_IMAGES) {
    return failure(
      400,
      { images: [`At most ${MAX_BRAND_IMAGES} brand images in all; you chose ${kept.length + files.length}.`] },
      initialValue,
    );
  }
  if (kept.length + files.length === 0 && colours.length === 0) {
    return failure(400, { images: ["Add an image or a colour, or skip this card."] }, initialValue);
  }

  const added: string[] = [];
  for (const file of files) {
    const stored = await storeImage(env, db, { file, kind: "brand", ownerId: user.id, workspaceId });
    if (!stored.ok) {
      // All or nothing: the images stored before the bad one go again.
      for (const imageId of added) await deleteImage(env, db, { imageId, userId: user.id });
      return failure(
        stored.status,
        { images: [`${file.name ? `${file.name.slice(0, 80)}: ` : ""}${stored.message}`] },
        initialValue,
      );
    }
    added.push(stored.image.id);
  }
  const imageIds = [...kept, ...added];
  await saveAnswer(db, {
    workspaceId,
    userId: user.id,
    cardId: "brand-images",
    value: { imageIds, colours },
    skipped: false,
    answers,
  });
  for (const imageId of before)
    if (!imageIds.includes(imageId)) await deleteImage(env, db, { imageId, userId: user.id });
  return { ok: true, returnTo };
}
