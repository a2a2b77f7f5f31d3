/** The signed-in token (`GET /me`): its role decides which controls the console shows. */
import { createContext, useContext, type ReactNode } from 'react';
import type { MeWire } from '../../src/api/wire.js';

export type Role = MeWire['role'];
const rank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

const MeContext = createContext<MeWire>({ name: '', role: 'viewer', tenant_id: null });

export function MeProvider({ me, children }: { me: MeWire; children: ReactNode }) {
  return <MeContext.Provider value={me}>{children}</MeContext.Provider>;
}

export function useMe(): MeWire {
  return useContext(MeContext);
}

/** Whether the signed-in token has at least `role`. */
export function useCan(role: Role): boolean {
  return rank[useMe().role] >= rank[role];
}

/** Renders `children` only for tokens with at least `role`: a viewer sees no mutating control. */
export function Can({ role, children }: { role: Role; children: ReactNode }) {
  return useCan(role) ? <>{children}</> : null;
}
