// What domain functions throw when a request cannot be done as asked. They know nothing
// of HTTP; the error handler turns the kind into a status code.
export type DomainErrorKind = "not_found" | "conflict" | "invalid";

export class DomainError extends Error {
  readonly kind: DomainErrorKind;
  readonly code: string;

  constructor(kind: DomainErrorKind, code: string, message: string) {
    super(message);
    this.kind = kind;
    this.code = code;
  }
}
