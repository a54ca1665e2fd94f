import { AddPage, addMetadata } from "@/components/objects/pages";

export const metadata = addMetadata("user");

export default function Page() {
  return <AddPage kind="user" />;
}
