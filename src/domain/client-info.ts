/** Who is calling: for the IP policy and the admin view. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}
