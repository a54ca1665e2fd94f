import { AddPage } from "@/components/objects/pages";

export default function Page() {
  return <AddPage kind="user" />;
}
