/**
 * The longest password input read at all (sign-in, re-authentication): a cap on the work one request
 * can cause. New passwords are limited to 256 characters; 1024 leaves room for any spelling of those.
 * Its own module so pages can use it without pulling in the common-password list.
 */
export const MAX_PASSWORD_INPUT_LENGTH = 1024;
