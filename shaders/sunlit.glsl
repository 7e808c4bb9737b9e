// In full sunlight: the stand-in for shadow.glsl when no body can shadow the one drawn.
// Software GL (Mesa's llvmpipe) runs every branch of a shader whatever the uniforms say, so the
// eclipse code costs its full price on every fragment unless it is left out of the program.
float sun_visible(vec3 world, vec3 sun_dir) {
    return 1.0;
}
