import { ChangelogPage, recordMetadata } from "@/components/objects/pages";

export const generateMetadata = recordMetadata("pdm-remote", "changelog");

export default function Page({ params }: { params: Promise<{ id: string }> }) {
  return <ChangelogPage kind="pdm-remote" params={params} />;
}
