import { useQuery } from "@tanstack/react-query";
import { fetchMembers, fetchTeams, type Member, type Team } from "./api.ts";

const fiveMinutes = 5 * 60_000;

/** The workspace's members (for assignee pickers and author names), cached for a few minutes. */
export function useMembers(): Member[] {
  const query = useQuery({ queryKey: ["members"], queryFn: fetchMembers, staleTime: fiveMinutes });
  return query.data?.data ?? [];
}

/** The workspace's teams, cached for a few minutes. */
export function useTeams(): Team[] {
  const query = useQuery({ queryKey: ["teams"], queryFn: fetchTeams, staleTime: fiveMinutes });
  return query.data?.data ?? [];
}
