import { ChangelogPage, recordMetadata } from "@/components/objects/pages";

export const generateMetadata = recordMetadata("user", "changelog");

export default function Page({ params }: { params: Promise<{ id: string }> }) {
  return <ChangelogPage kind="user" params={params} />;
}
