// Counts the GPUBuffers a page creates and destroys (wraps GPUDevice.prototype.createBuffer and
// GPUBuffer.prototype.destroy): `live()` is how many were created and not destroyed yet.
export function countBuffers() {
  const created = new WeakSet();
  const destroyed = new WeakSet();
  let made = 0;
  let ended = 0;
  const create = GPUDevice.prototype.createBuffer;
  const destroy = GPUBuffer.prototype.destroy;
  GPUDevice.prototype.createBuffer = function (...args) {
    const b = create.apply(this, args);
    created.add(b);
    made++;
    return b;
  };
  GPUBuffer.prototype.destroy = function (...args) {
    if (created.has(this) && !destroyed.has(this)) {
      destroyed.add(this);
      ended++;
    }
    return destroy.apply(this, args);
  };
  return { live: () => made - ended, created: () => made };
}

/** `p`, or a rejection after `ms`. */
export function withTimeout(label, p, ms) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
