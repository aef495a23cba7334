/** Erases a customer's personal data (spec §7): @oms/adapters-pg's `eraseCustomer` implements it. */
export interface PersonalDataEraser {
  /** The number of the customer's orders whose personal data is erased (the same on a repeat). */
  erase(email: string): Promise<{ readonly orders: number }>;
}
