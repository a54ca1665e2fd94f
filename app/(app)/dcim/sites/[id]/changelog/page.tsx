import { ChangelogPage, recordMetadata } from "@/components/objects/pages";

export const generateMetadata = recordMetadata("site", "changelog");

export default function Page({ params }: { params: Promise<{ id: string }> }) {
  return <ChangelogPage kind="site" params={params} />;
}
