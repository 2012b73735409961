/** The test API's rules (faults, webhook shaping, search delays): added, listed (used-up ones too), removed. */
export class RuleSet<R extends { id: string }> {
  private rules: R[] = [];

  add(rule: R): R {
    this.rules.push(rule);
    return rule;
  }

  list(): R[] {
    return this.rules;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  clear(): number {
    const count = this.rules.length;
    this.rules = [];
    return count;
  }
}
