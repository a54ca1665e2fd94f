import { ObjectPage, objectPageMetadata } from "@/components/objects/pages";

// The list, detail, add, edit and changelog pages of every type in the object registry
// (lib/object-types.ts, the types with a `kind`); anything else is the 404 page.
export const generateMetadata = objectPageMetadata;
export default ObjectPage;
