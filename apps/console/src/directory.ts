import { useQuery } from "@tanstack/react-query";
import { fetchMembers, fetchTeams, type Member, type Session, type Team } from "./api.ts";

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

/** A teammate's name: the signed-in user's own, else from the member list (undefined when unknown). */
export function memberName(id: unknown, members: Member[], session: Session): string | undefined {
  return id === session.user.id ? session.user.name : members.find((member) => member.id === id)?.name;
}
