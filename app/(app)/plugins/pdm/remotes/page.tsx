import { ListPage, listMetadata } from "@/components/objects/pages";
import type { RawSearchParams } from "@/lib/ui/search-params";

export const metadata = listMetadata("pdm-remote");

export default function Page({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  return <ListPage kind="pdm-remote" searchParams={searchParams} />;
}
