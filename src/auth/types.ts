/** A signed-in panel user, as handlers see it in `ctx.state.user`. */
export type Role = 'admin' | 'user';

export interface AuthUser {
  id: number;
  username: string;
  role: Role;
}
