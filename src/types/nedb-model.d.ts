/** The one part of @seald-io/nedb's document model the store uses: its line serializer. */
declare module "@seald-io/nedb/lib/model.js" {
  /** A document as one line of nedb's data file (dates as {$$date}, keys checked). */
  export function serialize(document: object): string;
}
