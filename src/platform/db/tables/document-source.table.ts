/** Owned by the documents module (0005): the uploaded bytes, kept for re-indexing. */
export interface DocumentSourceTable {
  document_id: string;
  tenant_id: string;
  content: Uint8Array;
}
