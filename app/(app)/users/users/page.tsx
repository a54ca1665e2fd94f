import { ListPage, listMetadata } from "@/components/objects/pages";
import type { RawSearchParams } from "@/lib/ui/search-params";

export const metadata = listMetadata("user");

export default function Page({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  return <ListPage kind="user" searchParams={searchParams} />;
}
