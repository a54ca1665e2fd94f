import { ChangelogPage, recordMetadata } from "@/components/objects/pages";

export const generateMetadata = recordMetadata("pbs-server", "changelog");

export default function Page({ params }: { params: Promise<{ id: string }> }) {
  return <ChangelogPage kind="pbs-server" params={params} />;
}
